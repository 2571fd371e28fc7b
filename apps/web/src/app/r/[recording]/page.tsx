import { LinkRoute } from "../../../components/LinkRoute.tsx";

// A recording's review room. The token is in the link's fragment: the page is all client side.
export default async function ReviewPage({ params }: { params: Promise<{ recording: string }> }) {
  const { recording } = await params;
  return <LinkRoute kind="review" id={recording} />;
}
